/*
 * The paced publisher of scripts/bench's latency and ramp (kinds.py): publishes premade persistent
 * messages, each at its due time, on rabbitmq-c, so that the machine's cores go to the broker and
 * the worker under test rather than to a publisher in Python (pika spent 0.4 ms of CPU a message).
 *
 *   c_paced HOST PORT VHOST USER PASSWORD EXCHANGE MESSAGES SENT
 *
 * MESSAGES holds one record per message: a line "ROUTING_KEY MESSAGE_ID TYPE DUE_NS LENGTH\n" and
 * then LENGTH bytes of body; DUE_NS is nanoseconds after the start. Connects, prints "ready" on
 * stdout, then publishes each message at start + DUE_NS (at once when behind) and records the
 * CLOCK_MONOTONIC time just after its publish; at the end writes those times to SENT as one
 * little-endian int64 a message. Exits 1 with a line on stderr on any failure.
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char routing_key[128], message_id[128], type[64];
    int64_t due_ns;
    amqp_bytes_t body;
} message_t;

static void die(const char *what) {
    fprintf(stderr, "c_paced: %s\n", what);
    exit(1);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static message_t *read_messages(const char *path, long *count) {
    FILE *file = fopen(path, "rb");
    if (!file) die("cannot open the messages file");
    long capacity = 1024;
    message_t *messages = malloc(capacity * sizeof *messages);
    *count = 0;
    message_t m;
    long length;
    while (fscanf(file, "%127s %127s %63s %ld %ld", m.routing_key, m.message_id, m.type, &m.due_ns, &length) == 5) {
        if (fgetc(file) != '\n' || length < 0 || length > 64 * 1024 * 1024) die("a malformed record header");
        m.body.len = (size_t)length;
        m.body.bytes = malloc(length ? length : 1);
        if (fread(m.body.bytes, 1, length, file) != (size_t)length) die("a record's body is cut short");
        if (*count == capacity) messages = realloc(messages, (capacity *= 2) * sizeof *messages);
        messages[(*count)++] = m;
    }
    if (!feof(file)) die("a malformed record header");
    fclose(file);
    return messages;
}

int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: c_paced HOST PORT VHOST USER PASSWORD EXCHANGE MESSAGES SENT\n");
        return 2;
    }
    long count;
    message_t *messages = read_messages(argv[7], &count);
    int64_t *sent = calloc(count ? count : 1, sizeof *sent);

    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    if (amqp_socket_open(socket, argv[1], atoi(argv[2])) != AMQP_STATUS_OK) die("connect failed");
    amqp_rpc_reply_t login = amqp_login(conn, argv[3], 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, argv[4], argv[5]);
    if (login.reply_type != AMQP_RESPONSE_NORMAL) die("login failed");
    amqp_channel_open(conn, 1);
    if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) die("channel.open failed");
    printf("ready\n");
    fflush(stdout);

    amqp_basic_properties_t props;
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                   AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_APP_ID_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("application/json");
    props.app_id = amqp_cstring_bytes("bench");
    int64_t start = now_ns();
    for (long i = 0; i < count; i++) {
        /* Asleep until due (no spinning: the cores are the worker's and the broker's). */
        int64_t due = start + messages[i].due_ns;
        struct timespec at = {(time_t)(due / 1000000000), (long)(due % 1000000000)};
        while (now_ns() < due && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != 0) {}
        props.message_id = amqp_cstring_bytes(messages[i].message_id);
        props.type = amqp_cstring_bytes(messages[i].type);
        if (amqp_basic_publish(conn, 1, amqp_cstring_bytes(argv[6]), amqp_cstring_bytes(messages[i].routing_key), 0, 0, &props,
                               messages[i].body) != AMQP_STATUS_OK)
            die("publish failed");
        sent[i] = now_ns();
    }
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);

    FILE *out = fopen(argv[8], "wb");
    if (!out || fwrite(sent, sizeof *sent, count, out) != (size_t)count || fclose(out) != 0) die("cannot write the sent times");
    return 0;
}
