#ifndef REMIT_CRABBITMQ_SHIM_H
#define REMIT_CRABBITMQ_SHIM_H

// Debian's librabbitmq-dev (0.11) installs flat headers.
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <sys/eventfd.h>
#include <poll.h>

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

#endif
