#ifndef REMIT_CRABBITMQ_SHIM_H
#define REMIT_CRABBITMQ_SHIM_H

// Debian's librabbitmq-dev (0.11) installs flat headers.
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <string.h>

// rabbitmq-c's TLS socket is OpenSSL's (librabbitmq4 links libssl3); the verification below
// works on the SSL_CTX it creates for each socket.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

// amqp_login_with_properties is variadic, which Swift cannot call; PLAIN takes user and password.
// rabbitmq-c merges `properties` (e.g. extra capabilities) into its default client properties.
static inline amqp_rpc_reply_t remit_amqp_login_plain(amqp_connection_state_t state,
                                                      const char *vhost,
                                                      int channel_max,
                                                      int frame_max,
                                                      int heartbeat,
                                                      const amqp_table_t *properties,
                                                      const char *user,
                                                      const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

// A non-blocking eventfd that wakes a connection's owning thread out of poll().
static inline int remit_wake_fd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

// MARK: TLS

// What one TLS connection checks, and the first certificate error OpenSSL found. Owned by the
// connection (Swift), hung on its SSL_CTX as app data; it must outlive the amqp connection.
typedef struct {
    // The name sent as SNI (NULL: none, e.g. for an IP address) before the ClientHello.
    char *sni;
    // X509_V_OK, or the first error the chain or name check hit.
    int verify_error;
} remit_tls_context;

// rabbitmq-c checks the chain and the host name only after the handshake and reports a bare
// status; OpenSSL's own check (SSL_VERIFY_PEER) fails the handshake and keeps the reason here.
static inline int remit_tls_verify_callback(int ok, X509_STORE_CTX *store) {
    if (!ok) {
        SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
        remit_tls_context *context = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
        if (context && context->verify_error == X509_V_OK) context->verify_error = X509_STORE_CTX_get_error(store);
    }
    return ok;
}

// rabbitmq-c sets SNI to the host it connects to, an IP address included (RFC 6066 forbids
// that). At the handshake's start, before the ClientHello is written, SNI becomes our choice.
static inline void remit_tls_info_callback(const SSL *ssl, int where, int ret) {
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_START)) return;
    remit_tls_context *context = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    if (context) SSL_set_tlsext_host_name((SSL *)ssl, context->sni);
}

// Configures an amqp_ssl_socket: TLS 1.2 or later; with `verify`, the chain against the trust
// store and `name` (a DNS name or an IP address) against the certificate, during the handshake.
// Returns 0, or -1 when OpenSSL refused a setting (its error queue says why).
static inline int remit_tls_configure(amqp_socket_t *socket, remit_tls_context *context,
                                      const char *name, int verify, int use_default_trust) {
    SSL_CTX *ctx = amqp_ssl_socket_get_context(socket);
    if (amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST) != AMQP_STATUS_OK) return -1;
    // OpenSSL checks instead (above); rabbitmq-c's name check knows no IP addresses in the SAN.
    amqp_ssl_socket_set_verify_peer(socket, 0);
    amqp_ssl_socket_set_verify_hostname(socket, 0);
    SSL_CTX_set_app_data(ctx, context);
    SSL_CTX_set_info_callback(ctx, remit_tls_info_callback);
    if (!verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return 0;
    }
    if (use_default_trust && SSL_CTX_set_default_verify_paths(ctx) != 1) return -1;
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // An IP address is matched against the certificate's IP SANs, a name against its DNS SANs.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name) != 1) {
        if (X509_VERIFY_PARAM_set1_host(param, name, 0) != 1) return -1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, remit_tls_verify_callback);
    return 0;
}

// The reason of the most recent error in this thread's OpenSSL error queue (NULL: none), and
// empties the queue. rabbitmq-c leaves OpenSSL's reason there when a TLS call fails.
static inline const char *remit_tls_take_error(char *buffer, size_t size) {
    unsigned long code = 0, last = 0;
    while ((code = ERR_get_error()) != 0) last = code;
    if (last == 0) return NULL;
    const char *reason = ERR_reason_error_string(last);
    if (reason) {
        strncpy(buffer, reason, size - 1);
        buffer[size - 1] = 0;
    } else {
        ERR_error_string_n(last, buffer, size);
    }
    return buffer;
}

#endif
