/* Great-circle distance, coordinate validation and radius bounding boxes (see common/geo.h). */
#include <math.h>

#include "common/errors.h"
#include "common/geo.h"

#define DEG_TO_RAD (M_PI / 180.0)
#define RAD_TO_DEG (180.0 / M_PI)
/* Padding added to every side of a box (degrees, about 1 cm) so points exactly on the circle are
 * not lost to rounding. */
#define BOX_PAD_DEG 1e-7

bool geo_lat_valid(double lat)
{
    return isfinite(lat) && lat >= -90.0 && lat <= 90.0;
}

bool geo_lng_valid(double lng)
{
    return isfinite(lng) && lng >= -180.0 && lng <= 180.0;
}

double geo_distance_m(double lat1, double lng1, double lat2, double lng2)
{
    double phi1 = lat1 * DEG_TO_RAD, phi2 = lat2 * DEG_TO_RAD;
    double s_dphi = sin((phi2 - phi1) / 2.0);
    double s_dlam = sin((lng2 - lng1) * DEG_TO_RAD / 2.0);
    double a = s_dphi * s_dphi + cos(phi1) * cos(phi2) * s_dlam * s_dlam;

    /* Rounding can push a a hair outside [0, 1] near coincident or antipodal points. */
    if (a < 0.0)
        a = 0.0;
    if (a > 1.0)
        a = 1.0;
    /* atan2 rather than asin(sqrt(a)): asin is ill-conditioned as a approaches 1. */
    return GEO_EARTH_RADIUS_M * 2.0 * atan2(sqrt(a), sqrt(1.0 - a));
}

static void box_all_longitudes(struct geo_box *b)
{
    b->min_lng = -180.0;
    b->max_lng = 180.0;
    b->wraps = false;
}

/* Longitude half-width (degrees) of a circle of angular radius r (radians) that does not reach a
 * pole, centred at latitude phi (radians): asin(sin r / cos phi). */
static double half_width_deg(double r, double phi)
{
    double s = sin(r) / cos(phi);
    return asin(s > 1.0 ? 1.0 : s) * RAD_TO_DEG + BOX_PAD_DEG;
}

static void box_longitudes(struct geo_box *b, double lng, double dlng)
{
    b->min_lng = lng - dlng;
    b->max_lng = lng + dlng;
    b->wraps = false;
    if (b->min_lng < -180.0) {
        b->min_lng += 360.0;
        b->wraps = true;
    } else if (b->max_lng > 180.0) {
        b->max_lng -= 360.0;
        b->wraps = true;
    }
}

int geo_box_around(double lat, double lng, double radius_m, struct geo_box *ret_box)
{
    struct geo_box b;
    double r, r_deg;

    if (!geo_lat_valid(lat) || !geo_lng_valid(lng) || !isfinite(radius_m) || radius_m < 0.0)
        return OF_EPERMANENT;
    r = radius_m / GEO_EARTH_RADIUS_M;
    r_deg = r * RAD_TO_DEG + BOX_PAD_DEG;
    b.min_lat = lat - r_deg;
    b.max_lat = lat + r_deg;
    if (b.min_lat <= -90.0 || b.max_lat >= 90.0 || r >= M_PI / 2.0) {
        /* The circle reaches (or nearly reaches) a pole: every meridian crosses it. */
        b.min_lat = fmax(b.min_lat, -90.0);
        b.max_lat = fmin(b.max_lat, 90.0);
        box_all_longitudes(&b);
    } else {
        box_longitudes(&b, lng, half_width_deg(r, lat * DEG_TO_RAD));
    }
    *ret_box = b;
    return OF_OK;
}

bool geo_box_contains(const struct geo_box *box, double lat, double lng)
{
    if (lat < box->min_lat || lat > box->max_lat)
        return false;
    if (box->wraps)
        return lng >= box->min_lng || lng <= box->max_lng;
    return lng >= box->min_lng && lng <= box->max_lng;
}
