/* Great-circle geometry on a spherical Earth: distances, coordinate validation and the bounding
 * box a "within R metres" query can pre-filter on with an index. Pure; no allocation. */
#ifndef COMMON_GEO_H
#define COMMON_GEO_H

#include <stdbool.h>

/* Mean Earth radius (IUGG R1), metres. */
#define GEO_EARTH_RADIUS_M 6371008.8

/* True if lat is finite and within [-90, 90] degrees. */
bool geo_lat_valid(double lat);
/* True if lng is finite and within [-180, 180] degrees. */
bool geo_lng_valid(double lng);

/* Great-circle distance in metres between two points given in degrees (haversine, clamped so it
 * stays finite and accurate up to antipodal points). Longitudes may lie on either side of the
 * antimeridian. Coordinates are not validated: check them with geo_lat_valid/geo_lng_valid. */
double geo_distance_m(double lat1, double lng1, double lat2, double lng2);

/* A latitude/longitude box, in degrees, holding every point within some distance of a centre.
 * min_lat <= max_lat always. When wraps is false a point is inside when
 *     lat BETWEEN min_lat AND max_lat AND lng BETWEEN min_lng AND max_lng;
 * when wraps is true the longitude range crosses the antimeridian (min_lng > max_lng) and a point
 * is inside when
 *     lat BETWEEN min_lat AND max_lat AND (lng >= min_lng OR lng <= max_lng).
 * A circle that reaches a pole spans every longitude: min_lng = -180, max_lng = 180, no wrap. */
struct geo_box {
    double min_lat, max_lat;
    double min_lng, max_lng;
    bool wraps;
};

/* Fills ret_box with the smallest latitude/longitude box (padded by a hair for rounding) that
 * holds every point within radius_m metres of (lat, lng). Returns 0, or OF_EPERMANENT (box left
 * untouched) when a coordinate is invalid or radius_m is negative or not finite. */
int geo_box_around(double lat, double lng, double radius_m, struct geo_box *ret_box);

/* True if (lat, lng) lies inside box, with the rules spelled out above. */
bool geo_box_contains(const struct geo_box *box, double lat, double lng);

#endif
