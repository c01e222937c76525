/*
 * Baseline for scripts/bench: the same relay as remit-bench's (a), written as a plain C loop on
 * rabbitmq-c. Consume up to BATCH deliveries, publish each as a persistent follow-up on a second
 * connection in confirm mode, wait for the confirms, ack the batch with multiple=true.
 * Prints the same JSON line as remit-bench.
 *
 *   c_relay HOST PORT VHOST COUNT PREFETCH BATCH FROM_QUEUE EXCHANGE ROUTING_KEY
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

static void die_on_reply(amqp_rpc_reply_t reply, const char *what) {
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        fprintf(stderr, "c_relay: %s failed (reply type %d)\n", what, reply.reply_type);
        exit(1);
    }
}

static amqp_connection_state_t open_connection(const char *host, int port, const char *vhost) {
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    if (amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) { fprintf(stderr, "c_relay: connect failed\n"); exit(1); }
    die_on_reply(amqp_login(conn, vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
    amqp_channel_open(conn, 1);
    die_on_reply(amqp_get_rpc_reply(conn), "channel.open");
    return conn;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 10) { fprintf(stderr, "usage: c_relay HOST PORT VHOST COUNT PREFETCH BATCH FROM EXCHANGE ROUTING_KEY\n"); return 2; }
    const char *host = argv[1], *vhost = argv[3], *from = argv[7], *exchange = argv[8], *routing_key = argv[9];
    int port = atoi(argv[2]);
    long count = atol(argv[4]);
    int prefetch = atoi(argv[5]), batch = atoi(argv[6]);

    double wall = now_seconds(), cpu = cpu_seconds();
    amqp_connection_state_t consumer = open_connection(host, port, vhost);
    amqp_connection_state_t publisher = open_connection(host, port, vhost);
    amqp_confirm_select(publisher, 1);
    die_on_reply(amqp_get_rpc_reply(publisher), "confirm.select");
    amqp_basic_qos(consumer, 1, 0, (uint16_t)prefetch, 0);
    die_on_reply(amqp_get_rpc_reply(consumer), "basic.qos");
    amqp_basic_consume(consumer, 1, amqp_cstring_bytes(from), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    die_on_reply(amqp_get_rpc_reply(consumer), "basic.consume");

    uint64_t published = 0, confirmed = 0;
    long relayed = 0;
    amqp_basic_properties_t props;
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("application/json");

    while (relayed < count) {
        int taken = 0;
        uint64_t last_tag = 0;
        while (taken < batch && relayed + taken < count) {
            struct timeval wait = {taken == 0 ? 10 : 0, 0};
            amqp_envelope_t envelope;
            amqp_maybe_release_buffers(consumer);
            amqp_rpc_reply_t reply = amqp_consume_message(consumer, &envelope, &wait, 0);
            if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
                if (taken == 0) { fprintf(stderr, "c_relay: no delivery for 10 s\n"); return 1; }
                break;
            }
            die_on_reply(reply, "consume");
            if (amqp_basic_publish(publisher, 1, amqp_cstring_bytes(exchange), amqp_cstring_bytes(routing_key), 1, 0, &props,
                                   envelope.message.body) != AMQP_STATUS_OK) {
                fprintf(stderr, "c_relay: publish failed\n"); return 1;
            }
            published++;
            last_tag = envelope.delivery_tag;
            amqp_destroy_envelope(&envelope);
            taken++;
        }
        while (confirmed < published) {
            amqp_frame_t frame;
            if (amqp_simple_wait_frame(publisher, &frame) != AMQP_STATUS_OK) { fprintf(stderr, "c_relay: confirm wait failed\n"); return 1; }
            if (frame.frame_type != AMQP_FRAME_METHOD) continue;
            if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
                amqp_basic_ack_t *ack = frame.payload.method.decoded;
                confirmed = ack->multiple ? ack->delivery_tag : confirmed + 1;
            } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD || frame.payload.method.id == AMQP_BASIC_RETURN_METHOD) {
                fprintf(stderr, "c_relay: publish nacked or returned\n"); return 1;
            }
        }
        amqp_maybe_release_buffers(publisher);
        if (amqp_basic_ack(consumer, 1, last_tag, 1) != AMQP_STATUS_OK) { fprintf(stderr, "c_relay: ack failed\n"); return 1; }
        relayed += taken;
    }
    double seconds = now_seconds() - wall, used = cpu_seconds() - cpu;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"mode\":\"c-relay\",\"messages\":%ld,\"seconds\":%.3f,\"msg_per_s\":%.0f,\"cpu_s_per_1000\":%.4f,\"peak_rss_mb\":%.1f}\n",
           count, seconds, count / seconds, used / count * 1000, usage.ru_maxrss / 1024.0);
    amqp_connection_close(consumer, AMQP_REPLY_SUCCESS);
    amqp_connection_close(publisher, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(consumer);
    amqp_destroy_connection(publisher);
    return 0;
}
