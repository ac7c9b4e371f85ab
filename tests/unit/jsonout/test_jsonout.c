/* Tests of jsonout: each real is written in the fewest digits that read back to the same double,
 * spelled as jansson spells reals, and nothing else in the text changes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/jsonout.h"

static const struct {
    double d;
    const char *text;
} reals[] = {
    {0.1, "0.1"},
    {0.3, "0.3"},
    {20.15309, "20.15309"},
    {85.123, "85.123"},
    {-0.1278, "-0.1278"},
    {51.5074, "51.5074"},
    {1e-7, "1e-7"},
    {1.5e-10, "1.5e-10"},
    {5e-324, "5e-324"},                                   /* the smallest denormal */
    {2.2250738585072014e-308, "2.2250738585072014e-308"}, /* the smallest normal */
    {1.7976931348623157e308, "1.7976931348623157e308"},   /* DBL_MAX */
    {-0.0, "-0.0"},
    {0.0, "0.0"},
    {5.0, "5.0"},
    {-42.0, "-42.0"},
    {100.0, "100.0"},
    {1e16, "1e16"},
    {1e22, "1e22"},
    {123456789012.0, "123456789012.0"},
    {9007199254740993.0, "9007199254740992.0"}, /* 2^53 + 1 is not a double: 2^53 */
    {1.0 / 3.0, "0.3333333333333333"},
    {2.0 / 3.0, "0.6666666666666666"},
    {0.1 + 0.2, "0.30000000000000004"},
    {1234.5678, "1234.5678"},
    {1e15, "1000000000000000.0"},
    {0.0001, "0.0001"},
    {0.00001, "1e-5"},
    {-1.25e-5, "-1.25e-5"},
    {20015115.070354454, "20015115.070354454"},
};

static void tricky_doubles(void **state)
{
    (void)state;
    char out[JSONOUT_REAL_SIZE];
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        int n = jsonout_real(reals[i].d, out);
        if (n < 0 || strcmp(out, reals[i].text) != 0 || (size_t)n != strlen(reals[i].text))
            fail_msg("%.17g: got \"%s\" (%d), expected \"%s\"", reals[i].d, n < 0 ? "" : out, n,
                     reals[i].text);
        double back = strtod(out, NULL);
        assert_memory_equal(&back, &reals[i].d, sizeof back); /* bit for bit: -0.0 stays -0.0 */
    }
}

static void not_finite(void **state)
{
    (void)state;
    char out[JSONOUT_REAL_SIZE] = "untouched";
    assert_int_equal(jsonout_real(INFINITY, out), -1);
    assert_int_equal(jsonout_real(-INFINITY, out), -1);
    assert_int_equal(jsonout_real(NAN, out), -1);
    assert_string_equal(out, "untouched");
}

/* A document: every real shortest, each on its own (0.1 next to 1/3 stays 0.1), integers and
 * strings that look like numbers left as they are, jansson's layout kept. */
static void documents(void **state)
{
    (void)state;
    json_t *doc =
        json_pack("{s:f, s:f, s:f, s:I, s:s, s:s, s:[f, i, f], s:{s:f}, s:b, s:n}", "lat", 20.15309,
                  "third", 1.0 / 3.0, "tenth", 0.1, "big", (json_int_t)9007199254740993LL, "text",
                  "0.10000000000000001", "quote", "a\"1.5e3 -0.0\\", "list", 1e-7, -3, 5.0, "obj",
                  "x", -0.0, "t", 1, "z");
    assert_non_null(doc);
    size_t len = 0;
    char *s = jsonout_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(3), &len);
    assert_non_null(s);
    assert_string_equal(s, "{\"lat\":20.15309,\"third\":0.3333333333333333,\"tenth\":0.1,"
                           "\"big\":9007199254740993,\"text\":\"0.10000000000000001\","
                           "\"quote\":\"a\\\"1.5e3 -0.0\\\\\",\"list\":[1e-7,-3,5.0],"
                           "\"obj\":{\"x\":-0.0},\"t\":true,\"z\":null}");
    assert_int_equal(len, strlen(s));
    free(s);

    s = jsonout_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS, NULL);
    char *plain = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    assert_non_null(strstr(s, "\"lat\": 20.15309,\n"));
    assert_non_null(strstr(plain, "\"lat\": 20.153089999999999,\n")); /* what jansson does */
    free(s);
    free(plain);

    json_t *bare = json_real(0.1);
    assert_null(jsonout_dumps(bare, 0, NULL)); /* as json_dumps: a scalar needs JSON_ENCODE_ANY */
    s = jsonout_dumps(bare, JSON_ENCODE_ANY, &len);
    assert_string_equal(s, "0.1");
    assert_int_equal(len, 3);
    free(s);
    json_decref(bare);
    json_decref(doc);
}

/* The significant digits of a number's text: no sign, point, exponent, leading or trailing 0. */
static int significant_digits(const char *s)
{
    char digits[JSONOUT_REAL_SIZE];
    size_t n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && (n > 0 || *s != '0'))
            digits[n++] = *s;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    return n ? (int)n : 1;
}

/* Random bit patterns (finite ones): the text reads back bit for bit, one digit fewer would not
 * have, and jsonout_dumps() writes the same text for the real on its own. */
static void random_bits_read_back(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char out[JSONOUT_REAL_SIZE], shorter[40];
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        double d;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d))
            continue;
        int n = jsonout_real(d, out);
        assert_true(n > 0 && n < JSONOUT_REAL_SIZE);
        double back = strtod(out, NULL);
        if (memcmp(&back, &d, sizeof d) != 0)
            fail_msg("%.17g written as %s reads back as %.17g", d, out, back);
        int digits = significant_digits(out);
        assert_true(digits >= 1 && digits <= 17);
        if (digits > 1) {
            snprintf(shorter, sizeof shorter, "%.*e", digits - 2, d);
            if (strtod(shorter, NULL) == d)
                fail_msg("%.17g written as %s, but %s reads back too", d, out, shorter);
        }
        json_t *r = json_real(d);
        char *j = jsonout_dumps(r, JSON_ENCODE_ANY, NULL), *jj = json_dumps(r, JSON_ENCODE_ANY);
        assert_string_equal(j, out);
        assert_true(strtod(jj, NULL) == d);
        free(j);
        free(jj);
        json_decref(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tricky_doubles),
        cmocka_unit_test(not_finite),
        cmocka_unit_test(documents),
        cmocka_unit_test(random_bits_read_back),
    };
    return cmocka_run_group_tests_name("jsonout", tests, NULL, NULL);
}
