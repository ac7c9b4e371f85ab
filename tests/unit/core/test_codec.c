/* Hex and base64url codecs: RFC 4648 vectors, round trips of every length, and the refusals
 * (odd or non-hex text, padding, stray characters, non-canonical tails, no room). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/codec.h"
#include "core_tests.h"

static void hex_vectors(void **state)
{
    (void)state;
    char text[CODEC_HEX_SIZE(4)];
    unsigned char out[4] = {9, 9, 9, 9};
    codec_hex_encode("\x00\x7f\xab\xff", 4, text);
    assert_string_equal(text, "007fabff");
    assert_int_equal(codec_hex_decode("007FabfF", 8, out, sizeof out), 4);
    assert_memory_equal(out, "\x00\x7f\xab\xff", 4);
    codec_hex_encode("", 0, text);
    assert_string_equal(text, "");
}

static void hex_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "0", "abc", "0g", "zz", " 00", "00 ", "+1"};
    unsigned char out[8] = {0x5a};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(codec_hex_valid(bad[i], strlen(bad[i])));
        assert_int_equal(codec_hex_decode(bad[i], strlen(bad[i]), out, sizeof out), -1);
    }
    assert_int_equal(codec_hex_decode("0011", 4, out, 1), -1); /* no room */
    assert_int_equal(out[0], 0x5a);                            /* untouched */
}

static void b64url_vectors(void **state)
{
    (void)state;
    /* RFC 4648 section 10, unpadded, in the url alphabet. */
    static const struct {
        const char *raw, *text;
    } v[] = {{"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
             {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char text[CODEC_B64URL_SIZE(8)];
        unsigned char raw[8];
        codec_b64url_encode(v[i].raw, strlen(v[i].raw), text);
        assert_string_equal(text, v[i].text);
        if (!*v[i].raw)
            continue;
        assert_int_equal(codec_b64url_decode(text, strlen(text), raw, sizeof raw),
                         (long)strlen(v[i].raw));
        assert_memory_equal(raw, v[i].raw, strlen(v[i].raw));
    }
}

static void b64url_round_trips(void **state)
{
    (void)state;
    unsigned char in[70], back[70];
    char text[CODEC_B64URL_SIZE(70)];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 1; n <= sizeof in; n++) {
        codec_b64url_encode(in, n, text);
        assert_int_equal(strlen(text) + 1 <= CODEC_B64URL_SIZE(n), 1);
        assert_true(codec_b64url_canonical(text, strlen(text)));
        assert_int_equal(codec_b64url_decode(text, strlen(text), back, n), (long)n);
        assert_memory_equal(back, in, n);
        assert_int_equal(codec_b64url_decode(text, strlen(text), back, n - 1), -1); /* no room */
    }
}

static void b64url_refusals(void **state)
{
    (void)state;
    /* Padding, the standard alphabet, 4k+1 lengths, stray bits in the tail, spaces. */
    static const char *const bad[] = {"",   "Zg==", "Zm9v+A", "Zm9v/A", "Z",    "Zm9vY",
                                      "Zh", "Zm9",  "Zm9vYh", " Zg",    "Zg\n", "Zm9vYmE="};
    unsigned char out[16];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(codec_b64url_canonical(bad[i], strlen(bad[i])));
        assert_int_equal(codec_b64url_decode(bad[i], strlen(bad[i]), out, sizeof out), -1);
    }
}

int run_codec_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hex_vectors),     cmocka_unit_test(hex_refusals),
        cmocka_unit_test(b64url_vectors),  cmocka_unit_test(b64url_round_trips),
        cmocka_unit_test(b64url_refusals),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
