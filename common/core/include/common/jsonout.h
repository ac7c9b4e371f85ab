/* JSON text out: jansson's serialisation with every real number in its shortest round-trip form
 * (20.15309, not jansson's %.17g 20.153089999999999). The one way responses and events are
 * written. Pure: no I/O. */
#ifndef COMMON_JSONOUT_H
#define COMMON_JSONOUT_H

#include <stddef.h>

#include <jansson.h>

/* The longest text jsonout_real() writes, NUL included ("-2.2250738585072014e-308"). */
#define JSONOUT_REAL_SIZE 32

/* Serialises json (borrowed) as json_dumps(json, flags) does, except that each real number is
 * written in the fewest significant digits (1 to 17) that strtod() reads back to the very same
 * double, as jsonout_real() spells it; a JSON_REAL_PRECISION in flags is ignored. Integers,
 * strings (whatever they hold) and layout are jansson's. Returns a malloc'd NUL-terminated
 * string the caller frees with free(), and its length in *ret_len when ret_len is not NULL; NULL
 * when jansson cannot serialise json (as json_dumps: e.g. a bare scalar without
 * JSON_ENCODE_ANY). Assumes the C locale's '.' decimal point, as the daemons run. */
char *jsonout_dumps(const json_t *json, size_t flags, size_t *ret_len);

/* Writes d (finite) into ret with the fewest significant digits (1 to 17) that strtod() reads
 * back to d, in positional notation when its decimal exponent is in [-4, 16) and in exponent
 * notation otherwise (the rule of Python's repr()), and always with a '.' or an exponent so that
 * it stays a real: "0.1", "20.15309", "100.0", "-0.0", "1e16", "1e-7", "5e-324",
 * "1.7976931348623157e308" (the exponent without '+' or leading zeros, as jansson writes it).
 * Returns the length, or -1 (ret untouched) for an infinity or NaN, which JSON cannot hold. */
int jsonout_real(double d, char ret[JSONOUT_REAL_SIZE]);

#endif
