/*
 * The broker alone, for scripts/bench: a confirming publisher and a consumer on one quorum queue at
 * the same time, each a thread with a connection of its own, on rabbitmq-c. The publisher sends
 * COUNT persistent messages of SIZE bytes through EXCHANGE/ROUTING_KEY (mandatory), BATCH at a
 * time, and waits for each batch's confirms; the consumer (prefetch PREFETCH, manual acks) acks
 * every BATCH deliveries with multiple=true and does nothing else. Measured from the first publish
 * to the last ack; prints the same JSON line as c_relay. The queue must start empty.
 *
 *   c_broker HOST PORT VHOST COUNT PREFETCH BATCH SIZE QUEUE EXCHANGE ROUTING_KEY
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

static const char *host, *vhost, *queue, *exchange, *routing_key;
static int port, prefetch, batch, size;
static long count;

static void die(const char *what) {
    fprintf(stderr, "c_broker: %s\n", what);
    exit(1);
}

static void die_on_reply(amqp_rpc_reply_t reply, const char *what) {
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        fprintf(stderr, "c_broker: %s failed (reply type %d)\n", what, reply.reply_type);
        exit(1);
    }
}

static amqp_connection_state_t open_connection(void) {
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    if (amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) die("connect failed");
    die_on_reply(amqp_login(conn, vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
    amqp_channel_open(conn, 1);
    die_on_reply(amqp_get_rpc_reply(conn), "channel.open");
    return conn;
}

static void close_connection(amqp_connection_state_t conn) {
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);  /* both threads */
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* Publishes `count` messages, `batch` at a time, each batch confirmed before the next. */
static void *publisher(void *unused) {
    (void)unused;
    amqp_connection_state_t conn = open_connection();
    amqp_confirm_select(conn, 1);
    die_on_reply(amqp_get_rpc_reply(conn), "confirm.select");
    char *payload = malloc(size);
    memset(payload, 'x', size);
    amqp_bytes_t body = {(size_t)size, payload};
    amqp_basic_properties_t props;
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("application/json");
    uint64_t published = 0, confirmed = 0;
    while ((long)published < count) {
        for (int i = 0; i < batch && (long)published < count; i++, published++) {
            if (amqp_basic_publish(conn, 1, amqp_cstring_bytes(exchange), amqp_cstring_bytes(routing_key), 1, 0, &props, body) !=
                AMQP_STATUS_OK)
                die("publish failed");
        }
        while (confirmed < published) {
            amqp_frame_t frame;
            if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) die("confirm wait failed");
            if (frame.frame_type != AMQP_FRAME_METHOD) continue;
            if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
                amqp_basic_ack_t *ack = frame.payload.method.decoded;
                confirmed = ack->multiple ? ack->delivery_tag : confirmed + 1;
            } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD || frame.payload.method.id == AMQP_BASIC_RETURN_METHOD) {
                die("publish nacked or returned");
            }
        }
        amqp_maybe_release_buffers(conn);
    }
    free(payload);
    close_connection(conn);
    return NULL;
}

/* Takes `count` deliveries and acks them, `batch` at a time (and whatever is in hand when the
 * queue pauses), with multiple=true. */
static void *consumer(void *unused) {
    (void)unused;
    amqp_connection_state_t conn = open_connection();
    amqp_basic_qos(conn, 1, 0, (uint16_t)prefetch, 0);
    die_on_reply(amqp_get_rpc_reply(conn), "basic.qos");
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    die_on_reply(amqp_get_rpc_reply(conn), "basic.consume");
    long received = 0, unacked = 0;
    uint64_t last_tag = 0;
    while (received < count) {
        struct timeval wait = {unacked == 0 ? 30 : 0, unacked == 0 ? 0 : 1000};
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, &wait, 0);
        if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
            if (unacked == 0) die("no delivery for 30 s");
        } else {
            die_on_reply(reply, "consume");
            if ((long)envelope.message.body.len != size) die("a delivery of the wrong size");
            last_tag = envelope.delivery_tag;
            amqp_destroy_envelope(&envelope);
            received++;
            unacked++;
            if (unacked < batch && received < count) continue;
        }
        if (amqp_basic_ack(conn, 1, last_tag, 1) != AMQP_STATUS_OK) die("ack failed");
        unacked = 0;
    }
    close_connection(conn);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 11) {
        fprintf(stderr, "usage: c_broker HOST PORT VHOST COUNT PREFETCH BATCH SIZE QUEUE EXCHANGE ROUTING_KEY\n");
        return 2;
    }
    host = argv[1], port = atoi(argv[2]), vhost = argv[3], count = atol(argv[4]);
    prefetch = atoi(argv[5]), batch = atoi(argv[6]), size = atoi(argv[7]);
    queue = argv[8], exchange = argv[9], routing_key = argv[10];

    double wall = now_seconds(), cpu = cpu_seconds();
    pthread_t threads[2];
    pthread_create(&threads[0], NULL, consumer, NULL);
    pthread_create(&threads[1], NULL, publisher, NULL);
    pthread_join(threads[1], NULL);
    pthread_join(threads[0], NULL);
    double seconds = now_seconds() - wall, used = cpu_seconds() - cpu;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"mode\":\"broker\",\"messages\":%ld,\"seconds\":%.3f,\"msg_per_s\":%.0f,\"cpu_s_per_1000\":%.4f,\"peak_rss_mb\":%.1f}\n",
           count, seconds, count / seconds, used / count * 1000, usage.ru_maxrss / 1024.0);
    return 0;
}
