/* UUIDv7 (RFC 9562) generation and validation, and cryptographic random bytes. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/codec.h"
#include "common/timefmt.h"
#include "common/uuid.h"

void random_bytes(void *buf, unsigned long n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "{\"level\":\"error\",\"msg\":\"getrandom failed\"}\n");
            abort();
        }
        p += got;
        n -= (unsigned long)got;
    }
}

void random_hex(char *ret, unsigned long n)
{
    unsigned char b[64];
    unsigned long done = 0;
    ret[0] = '\0';
    while (done < n) {
        unsigned long chunk = n - done < sizeof b ? n - done : sizeof b;
        random_bytes(b, chunk);
        codec_hex_encode(b, chunk, ret + 2 * done);
        done += chunk;
    }
}

void uuid_v7_from(uint64_t unix_ms, const uint8_t rand10[10], char ret[UUID_STR_LEN])
{
    uint8_t u[16];
    for (int i = 0; i < 6; i++)
        u[i] = (uint8_t)(unix_ms >> (8 * (5 - i)));
    memcpy(u + 6, rand10, 10);
    u[6] = (uint8_t)(0x70 | (u[6] & 0x0f)); /* version 7 */
    u[8] = (uint8_t)(0x80 | (u[8] & 0x3f)); /* variant 10 */
    snprintf(ret, UUID_STR_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

/* Monotonicity inside one process: the 12-bit rand_a field is used as a counter when two ids
 * fall in the same millisecond (RFC 9562 section 6.2, method 1). */
static pthread_mutex_t uuid_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_ms;
static uint16_t last_seq;

void uuid_v7(char ret[UUID_STR_LEN])
{
    uint8_t r[10];
    random_bytes(r, sizeof r);
    uint64_t now = (uint64_t)time_now_ms();

    pthread_mutex_lock(&uuid_lock);
    uint16_t seq;
    if (now <= last_ms) {
        now = last_ms;
        seq = (uint16_t)(last_seq + 1);
        if (seq > 0x0fff) { /* counter exhausted: borrow the next millisecond */
            now++;
            seq = (uint16_t)(((r[0] << 8) | r[1]) & 0x07ff);
        }
    } else {
        seq = (uint16_t)(((r[0] << 8) | r[1]) & 0x07ff); /* leave headroom for the counter */
    }
    last_ms = now;
    last_seq = seq;
    pthread_mutex_unlock(&uuid_lock);

    r[0] = (uint8_t)(seq >> 8);
    r[1] = (uint8_t)(seq & 0xff);
    uuid_v7_from(now, r, ret);
}

bool uuid_valid(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return s[36] == '\0';
}
