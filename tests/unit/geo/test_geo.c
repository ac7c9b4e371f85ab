/* Tests of great-circle distance against reference values, coordinate validation, and of radius
 * bounding boxes: a randomized check that no point within the radius falls outside its box, near
 * the poles and across the antimeridian too, and that boxes stay tight. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "common/errors.h"
#include "common/geo.h"

#define R_EARTH GEO_EARTH_RADIUS_M
#define DEG     (M_PI / 180.0)

/* Reference values, computed once independently of geo.c (a separate implementation of both
 * formulas below, not kept in the repository):
 *  - ellipsoid: Vincenty's inverse formula on WGS84 (a = 6378137, f = 1/298.257223563),
 *    cross-checked on Vincenty's published Flinders Peak - Buninyong line (54972.271 m);
 *  - sphere: central angle atan2(|u x v|, u.v) (the vector form, not haversine) times
 *    6371008.8 m.
 * The spherical model is within 0.5 % of the ellipsoid everywhere, so the implementation must
 * match the sphere reference to a metre and the ellipsoid to 0.5 %. */
struct city_pair {
    const char *name;
    double lat1, lng1, lat2, lng2;
    double ellipsoid_m, sphere_m;
};

static const struct city_pair pairs[] = {
    {"London-Paris", 51.5074, -0.1278, 48.8566, 2.3522, 343923.1, 343556.535},
    {"New York-Los Angeles", 40.7128, -74.0060, 34.0522, -118.2437, 3944422.2, 3935751.691},
    {"Sydney-Melbourne", -33.8688, 151.2093, -37.8136, 144.9631, 713857.7, 713428.466},
    {"Tokyo-Osaka", 35.6762, 139.6503, 34.6937, 135.5023, 393181.9, 392441.772},
    /* Suva (Fiji, 178.45 E) to Apia (Samoa, 171.75 W): short, across the antimeridian. */
    {"Suva-Apia", -18.1248, 178.4501, -13.8333, -171.7500, 1151154.0, 1150795.711},
    /* High Arctic and Antarctic, the second ending at the South Pole. */
    {"Longyearbyen-Alert", 78.2232, 15.6267, 82.5018, -62.3481, 1400962.7, 1394873.808},
    {"McMurdo-South Pole", -77.8419, 166.6863, -90.0, 0.0, 1357782.4, 1351920.905},
};

static void city_pairs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const struct city_pair *p = &pairs[i];
        double d = geo_distance_m(p->lat1, p->lng1, p->lat2, p->lng2);
        double back = geo_distance_m(p->lat2, p->lng2, p->lat1, p->lng1);
        if (fabs(d - p->sphere_m) > 1.0)
            fail_msg("%s: %.3f m, sphere reference %.3f m", p->name, d, p->sphere_m);
        if (fabs(d - p->ellipsoid_m) > 0.005 * p->ellipsoid_m)
            fail_msg("%s: %.1f m, more than 0.5 %% from %.1f m", p->name, d, p->ellipsoid_m);
        if (fabs(d - back) > 1e-6)
            fail_msg("%s: not symmetric (%.9f vs %.9f)", p->name, d, back);
    }
}

static void zero_distance(void **state)
{
    (void)state;
    assert_true(geo_distance_m(51.5074, -0.1278, 51.5074, -0.1278) == 0.0);
    assert_true(geo_distance_m(0, 0, 0, 0) == 0.0);
    /* The same place written two ways. */
    assert_true(geo_distance_m(10, 180, 10, -180) < 1e-6);
    assert_true(geo_distance_m(90, 0, 90, 123.4) < 1e-6);
    assert_true(geo_distance_m(-90, -45, -90, 170) < 1e-6);
}

static void antipodes(void **state)
{
    (void)state;
    double half = M_PI * R_EARTH;
    double pts[][4] = {{0, 0, 0, 180},
                       {0, -90, 0, 90},
                       {90, 0, -90, 0},
                       {45, 10, -45, -170},
                       {-33.8688, 151.2093, 33.8688, -28.7907}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double d = geo_distance_m(pts[i][0], pts[i][1], pts[i][2], pts[i][3]);
        assert_true(isfinite(d));
        if (fabs(d - half) > 1e-3)
            fail_msg("antipodes %zu: %.6f, expected %.6f", i, d, half);
    }
    /* Nearly antipodal pairs where rounding makes the haversine term exceed 1 (by 2^-52): the
     * clamp must keep the result finite (sqrt of a negative would be NaN). */
    double over[][4] = {
        {83.896740027630528, 92.462681032701255, -83.896740027630528, -87.537318967298745},
        {10.096979844825071, -161.70051086948433, -10.096979844558021, 18.299489130034583},
        {-66.403286064455571, -176.62459022032408, 66.403286064719538, 3.3754097792771125}};
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        double d = geo_distance_m(over[i][0], over[i][1], over[i][2], over[i][3]);
        if (!isfinite(d) || fabs(d - half) > 1.0)
            fail_msg("near-antipodes %zu: %.6f, expected about %.6f", i, d, half);
    }
    /* Just short of antipodal: 1e-4 degree of longitude on the equator is 11.12 m. */
    double d = geo_distance_m(0, 0, 0, 179.9999);
    assert_true(fabs(d - (half - 1e-4 * DEG * R_EARTH)) < 0.5);
    assert_true(d < half);
}

static void across_antimeridian(void **state)
{
    (void)state;
    double arc = 0.2 * DEG * R_EARTH; /* 22 239 m */
    assert_true(fabs(geo_distance_m(0, 179.9, 0, -179.9) - arc) < 1e-3);
    assert_true(fabs(geo_distance_m(0, -179.9, 0, 179.9) - arc) < 1e-3);
    /* Longitudes outside [-180, 180] are still understood (the formula is periodic). */
    assert_true(fabs(geo_distance_m(0, 179.9, 0, 180.1) - arc) < 1e-3);
}

static void near_poles(void **state)
{
    (void)state;
    double arc = 0.2 * DEG * R_EARTH;
    /* Across the North Pole along the 0/180 meridian. */
    assert_true(fabs(geo_distance_m(89.9, 0, 89.9, 180) - arc) < 1e-3);
    assert_true(fabs(geo_distance_m(-89.9, 90, -89.9, -90) - arc) < 1e-3);
    /* From the pole, longitude does not matter. */
    assert_true(fabs(geo_distance_m(90, 0, 89.9, 77) - 0.1 * DEG * R_EARTH) < 1e-3);
    /* Same parallel, a quarter turn apart, at 89.9 N: chord of a tiny circle around the pole. */
    double expect = 2.0 * R_EARTH * asin(sin(0.1 * DEG) * sin(M_PI / 4));
    assert_true(fabs(geo_distance_m(89.9, 0, 89.9, 90) - expect) < 1e-3);
}

static void validators(void **state)
{
    (void)state;
    assert_true(geo_lat_valid(0) && geo_lat_valid(90) && geo_lat_valid(-90));
    assert_false(geo_lat_valid(90.000001) || geo_lat_valid(-90.000001) || geo_lat_valid(180));
    assert_false(geo_lat_valid(NAN) || geo_lat_valid(INFINITY) || geo_lat_valid(-INFINITY));
    assert_true(geo_lng_valid(0) && geo_lng_valid(180) && geo_lng_valid(-180));
    assert_false(geo_lng_valid(180.000001) || geo_lng_valid(-180.000001) || geo_lng_valid(360));
    assert_false(geo_lng_valid(NAN) || geo_lng_valid(INFINITY) || geo_lng_valid(-INFINITY));
}

static void box_rejects_bad_input(void **state)
{
    (void)state;
    struct geo_box b, sentinel;
    memset(&sentinel, 0x5a, sizeof sentinel);
    double bad[][3] = {{91, 0, 1000}, {0, 181, 1000}, {NAN, 0, 1000},  {0, NAN, 1000},
                       {0, 0, -1},    {0, 0, NAN},    {0, 0, INFINITY}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = sentinel;
        assert_int_equal(geo_box_around(bad[i][0], bad[i][1], bad[i][2], &b), OF_EPERMANENT);
        assert_memory_equal(&b, &sentinel, sizeof b);
    }
}

static void box_simple_cases(void **state)
{
    (void)state;
    struct geo_box b;
    double r_deg = 5000.0 / R_EARTH / DEG;

    /* Mid latitude: a tight, non-wrapping box. */
    assert_int_equal(geo_box_around(51.5, -0.12, 5000, &b), 0);
    assert_false(b.wraps);
    assert_true(fabs(b.max_lat - (51.5 + r_deg)) < 1e-6);
    assert_true(fabs(b.min_lat - (51.5 - r_deg)) < 1e-6);
    double dlng = asin(sin(5000.0 / R_EARTH) / cos(51.5 * DEG)) / DEG;
    assert_true(fabs(b.max_lng - (-0.12 + dlng)) < 1e-6 && fabs(b.min_lng - (-0.12 - dlng)) < 1e-6);
    assert_true(geo_box_contains(&b, 51.5, -0.12));
    assert_false(geo_box_contains(&b, 51.6, -0.12));
    assert_false(geo_box_contains(&b, 51.5, 0.0));

    /* Radius 0: the centre only (plus the rounding pad). */
    assert_int_equal(geo_box_around(10, 20, 0, &b), 0);
    assert_true(geo_box_contains(&b, 10, 20));
    assert_false(geo_box_contains(&b, 10.00001, 20) || geo_box_contains(&b, 10, 20.00001));

    /* Across the antimeridian, both ways. */
    assert_int_equal(geo_box_around(-17, 179.99, 5000, &b), 0);
    assert_true(b.wraps && b.min_lng > 179.9 && b.max_lng < -179.9 && b.min_lng > b.max_lng);
    assert_true(geo_box_contains(&b, -17, 179.99) && geo_box_contains(&b, -17, -179.99));
    assert_true(geo_box_contains(&b, -17, 180) && geo_box_contains(&b, -17, -180));
    assert_false(geo_box_contains(&b, -17, 0) || geo_box_contains(&b, -17, 179.5));
    assert_int_equal(geo_box_around(-17, -179.99, 5000, &b), 0);
    assert_true(b.wraps && geo_box_contains(&b, -17, 179.99) && !geo_box_contains(&b, -17, 170));

    /* Reaching a pole: every longitude, latitude clamped. */
    assert_int_equal(geo_box_around(89.99, 45, 5000, &b), 0);
    assert_true(!b.wraps && b.min_lng == -180 && b.max_lng == 180 && b.max_lat == 90);
    assert_true(geo_box_contains(&b, 89.99, -135) && geo_box_contains(&b, 90, 0));
    assert_int_equal(geo_box_around(-90, 0, 1000, &b), 0);
    assert_true(b.min_lat == -90 && b.min_lng == -180 && b.max_lng == 180);

    /* Half the planet or more: the whole world. */
    assert_int_equal(geo_box_around(0, 0, 20000000, &b), 0);
    assert_true(b.min_lat == -90 && b.max_lat == 90 && b.min_lng == -180 && b.max_lng == 180);
}

/* splitmix64: a small deterministic generator so failures reproduce. */
static uint64_t rng_state = 0x0123456789abcdefULL;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1]. */
static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / (double)((1ULL << 53) - 1);
}

static double rng_range(double lo, double hi)
{
    return lo + (hi - lo) * rng_unit();
}

static double wrap_lng(double lng)
{
    while (lng > 180.0)
        lng -= 360.0;
    while (lng < -180.0)
        lng += 360.0;
    return lng;
}

/* The point at distance d metres and bearing theta (radians) from (lat, lng), on the sphere. */
static void destination(double lat, double lng, double d, double theta, double *rlat, double *rlng)
{
    double phi1 = lat * DEG, delta = d / R_EARTH;
    double s = sin(phi1) * cos(delta) + cos(phi1) * sin(delta) * cos(theta);
    double phi2 = asin(s > 1 ? 1 : s < -1 ? -1 : s);
    double lam = atan2(sin(theta) * sin(delta) * cos(phi1), cos(delta) - sin(phi1) * sin(phi2));
    *rlat = phi2 / DEG;
    *rlng = wrap_lng(lng + lam / DEG);
}

static void random_centre(int kind, double *lat, double *lng)
{
    *lat = rng_range(-90, 90);
    *lng = rng_range(-180, 180);
    switch (kind % 6) {
    case 1: /* near a pole */
        *lat = (rng_next() & 1 ? 1 : -1) * rng_range(88.5, 90);
        break;
    case 2: /* near the antimeridian */
        *lng = (rng_next() & 1 ? 1 : -1) * rng_range(179, 180);
        break;
    case 3: /* exactly on the edges */
        *lat = (double[]){90, -90, 0, 89.999999}[rng_next() % 4];
        *lng = (double[]){180, -180, 0, 179.999999}[rng_next() % 4];
        break;
    case 4: /* near both */
        *lat = rng_range(-90, 90) > 0 ? rng_range(85, 90) : rng_range(-90, -85);
        *lng = rng_range(-180, 180) > 0 ? rng_range(179.5, 180) : rng_range(-180, -179.5);
        break;
    default:
        break;
    }
}

/* Log-uniform between 1 m and 3000 km, with the feed's own radii now and then. */
static double random_radius(void)
{
    static const double common_r[] = {1000, 5000, 50000, 0};
    uint64_t pick = rng_next() % 8;
    if (pick < 3)
        return common_r[pick];
    return exp(rng_range(0, log(3.0e6)));
}

static void check_point(const struct geo_box *b, double clat, double clng, double r, double lat,
                        double lng)
{
    double d = geo_distance_m(clat, clng, lat, lng);
    if (d > r)
        return; /* the generator overshot by rounding: not a point within r */
    if (!geo_box_contains(b, lat, lng))
        fail_msg("(%.9f, %.9f) at %.6f m of (%.9f, %.9f) r=%.6f outside box lat [%.9f, %.9f] "
                 "lng [%.9f, %.9f] wraps=%d",
                 lat, lng, d, clat, clng, r, b->min_lat, b->max_lat, b->min_lng, b->max_lng,
                 b->wraps);
}

static void box_holds_every_point_within_radius(void **state)
{
    (void)state;
    long checked = 0;
    for (int c = 0; c < 6000; c++) {
        double clat, clng, r, lat, lng;
        struct geo_box b;
        random_centre(c, &clat, &clng);
        r = random_radius();
        assert_int_equal(geo_box_around(clat, clng, r, &b), 0);
        assert_true(b.min_lat <= b.max_lat && b.min_lat >= -90 && b.max_lat <= 90);
        assert_true(b.min_lng >= -180 && b.max_lng <= 180 && (b.wraps == (b.min_lng > b.max_lng)));
        for (int k = 0; k < 64; k++) {
            /* Mostly on the circle itself (where a box can fail), some inside. */
            double u = k < 40 ? 1.0 : sqrt(rng_unit());
            destination(clat, clng, r * u, rng_range(0, 2 * M_PI), &lat, &lng);
            check_point(&b, clat, clng, r, lat, lng);
            checked++;
        }
        /* The four extreme bearings exactly. */
        for (int q = 0; q < 4; q++) {
            destination(clat, clng, r, q * M_PI / 2, &lat, &lng);
            check_point(&b, clat, clng, r, lat, lng);
        }
        /* Random points on the whole globe as well. */
        for (int k = 0; k < 16; k++)
            check_point(&b, clat, clng, r, rng_range(-90, 90), rng_range(-180, 180));
    }
    assert_true(checked > 300000);
}

/* Longitude span covered by a box, in degrees. */
static double box_lng_span(const struct geo_box *b)
{
    return b->wraps ? 360.0 - b->min_lng + b->max_lng : b->max_lng - b->min_lng;
}

static void box_is_tight(void **state)
{
    (void)state;
    for (int c = 0; c < 2000; c++) {
        double clat = rng_range(-80, 80), clng = rng_range(-180, 180);
        double r = exp(rng_range(log(100.0), log(500000.0)));
        double max_dlat = 0, max_dlng = 0, lat, lng;
        struct geo_box b;
        assert_int_equal(geo_box_around(clat, clng, r, &b), 0);
        if (b.min_lng == -180 && b.max_lng == 180)
            continue; /* reaches a pole */
        for (int k = 0; k < 3600; k++) {
            destination(clat, clng, r, k * M_PI / 1800, &lat, &lng);
            max_dlat = fmax(max_dlat, fabs(lat - clat));
            max_dlng = fmax(max_dlng, fabs(wrap_lng(lng - clng)));
        }
        /* The circle reaches (within sampling) every side, and the box is no wider. */
        double lat_span = b.max_lat - b.min_lat, lng_span = box_lng_span(&b);
        if (lat_span > 2 * max_dlat * 1.0001 + 1e-6 || lng_span > 2 * max_dlng * 1.0001 + 1e-6)
            fail_msg("box around (%.6f, %.6f) r=%.1f too large: lat %.9f vs %.9f, lng %.9f vs "
                     "%.9f",
                     clat, clng, r, lat_span, 2 * max_dlat, lng_span, 2 * max_dlng);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(city_pairs),
        cmocka_unit_test(zero_distance),
        cmocka_unit_test(antipodes),
        cmocka_unit_test(across_antimeridian),
        cmocka_unit_test(near_poles),
        cmocka_unit_test(validators),
        cmocka_unit_test(box_rejects_bad_input),
        cmocka_unit_test(box_simple_cases),
        cmocka_unit_test(box_holds_every_point_within_radius),
        cmocka_unit_test(box_is_tight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
