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
 * CLOCK_MONOTONIC time just after its publish; at the end waits until the broker has confirmed
 * every message (publisher confirms, read as they come), then writes those times to SENT as one
 * little-endian int64 a message. Exits 1 with a line on stderr on any failure or a nack.
 *
 * Until 2026-12-05 it closed its channel without confirms: a quorum queue could drop what was still
 * in flight, and a loaded CI machine lost the last 8 of 12,000 messages ("11992 of 12000 payments
 * visible") — the publisher's loss, which read as the worker's.
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

/* Publisher confirms: confirmed[tag - 1] once the broker acked delivery tag `tag`. */
static char *confirmed;
static long confirmed_count, lowest_unconfirmed = 1, published;

static void confirm(long tag) {
    if (tag >= 1 && tag <= published && !confirmed[tag - 1]) {
        confirmed[tag - 1] = 1;
        confirmed_count++;
    }
}

/* Reads the confirms that have arrived, waiting at most `timeout` (NULL: not at all). */
static void read_confirms(amqp_connection_state_t conn, struct timeval *timeout) {
    struct timeval zero = {0, 0};
    for (;;) {
        amqp_frame_t frame;
        int status = amqp_simple_wait_frame_noblock(conn, &frame, timeout ? timeout : &zero);
        if (status == AMQP_STATUS_TIMEOUT) return;
        if (status != AMQP_STATUS_OK) die("reading the broker's confirms failed");
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            if (ack->multiple) {
                for (long tag = lowest_unconfirmed; tag <= (long)ack->delivery_tag; tag++) confirm(tag);
            } else {
                confirm((long)ack->delivery_tag);
            }
            while (lowest_unconfirmed <= published && confirmed[lowest_unconfirmed - 1]) lowest_unconfirmed++;
        } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
            die("the broker refused a publish (basic.nack)");
        } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
            die("the broker closed the channel");
        }
        if (timeout) return; /* one frame per wait at the end; the caller loops */
    }
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
    amqp_confirm_select(conn, 1);
    if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) die("confirm.select failed");
    confirmed = calloc(count ? count : 1, 1);
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
        published = i + 1;
        read_confirms(conn, NULL);
    }
    /* Every message confirmed before the channel closes (at most 60 s more). */
    int64_t deadline = now_ns() + 60 * (int64_t)1000000000;
    while (confirmed_count < count) {
        if (now_ns() > deadline) die("the broker did not confirm every message within 60 s");
        struct timeval wait = {1, 0};
        read_confirms(conn, &wait);
    }
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);

    FILE *out = fopen(argv[8], "wb");
    if (!out || fwrite(sent, sizeof *sent, count, out) != (size_t)count || fclose(out) != 0) die("cannot write the sent times");
    return 0;
}
