/* The delivery state machine (see partner_state.h). */
#include "partner_state.h"

#include <string.h>

#include "common/errors.h"

#define N DELIVERY_STATUS_COUNT

/* next[from][input]; N: does not apply. */
static const enum delivery_status next[DELIVERY_STATUS_COUNT][DELIVERY_INPUT_COUNT] = {
    [DELIVERY_SEARCHING] = {[DELIVERY_IN_OFFER] = DELIVERY_OFFERED,
                            [DELIVERY_IN_ACCEPT] = N,
                            [DELIVERY_IN_DECLINE] = N,
                            [DELIVERY_IN_PICKUP] = N,
                            [DELIVERY_IN_DELIVER] = N,
                            [DELIVERY_IN_CANCEL] = DELIVERY_CANCELLED,
                            [DELIVERY_IN_FAIL] = DELIVERY_FAILED},
    [DELIVERY_OFFERED] = {[DELIVERY_IN_OFFER] = N,
                          [DELIVERY_IN_ACCEPT] = DELIVERY_ASSIGNED,
                          [DELIVERY_IN_DECLINE] = DELIVERY_SEARCHING,
                          [DELIVERY_IN_PICKUP] = N,
                          [DELIVERY_IN_DELIVER] = N,
                          [DELIVERY_IN_CANCEL] = DELIVERY_CANCELLED,
                          [DELIVERY_IN_FAIL] = DELIVERY_FAILED},
    [DELIVERY_ASSIGNED] = {[DELIVERY_IN_OFFER] = N,
                           [DELIVERY_IN_ACCEPT] = N,
                           [DELIVERY_IN_DECLINE] = N,
                           [DELIVERY_IN_PICKUP] = DELIVERY_PICKED_UP,
                           [DELIVERY_IN_DELIVER] = N,
                           [DELIVERY_IN_CANCEL] = DELIVERY_CANCELLED,
                           [DELIVERY_IN_FAIL] = N},
    [DELIVERY_PICKED_UP] = {[DELIVERY_IN_OFFER] = N,
                            [DELIVERY_IN_ACCEPT] = N,
                            [DELIVERY_IN_DECLINE] = N,
                            [DELIVERY_IN_PICKUP] = N,
                            [DELIVERY_IN_DELIVER] = DELIVERY_DELIVERED,
                            [DELIVERY_IN_CANCEL] = N,
                            [DELIVERY_IN_FAIL] = N},
    [DELIVERY_DELIVERED] = {N, N, N, N, N, N, N},
    [DELIVERY_CANCELLED] = {N, N, N, N, N, N, N},
    [DELIVERY_FAILED] = {N, N, N, N, N, N, N},
};

enum delivery_status partner_state_next(enum delivery_status from, enum delivery_input input)
{
    if ((unsigned)from >= N || (unsigned)input >= DELIVERY_INPUT_COUNT)
        return N;
    return next[from][input];
}

bool partner_state_active(enum delivery_status s)
{
    return s == DELIVERY_OFFERED || s == DELIVERY_ASSIGNED || s == DELIVERY_PICKED_UP;
}

bool partner_state_terminal(enum delivery_status s)
{
    return s == DELIVERY_DELIVERED || s == DELIVERY_CANCELLED || s == DELIVERY_FAILED;
}

static const char *const status_names[N] = {
    [DELIVERY_SEARCHING] = "SEARCHING", [DELIVERY_OFFERED] = "OFFERED",
    [DELIVERY_ASSIGNED] = "ASSIGNED",   [DELIVERY_PICKED_UP] = "PICKED_UP",
    [DELIVERY_DELIVERED] = "DELIVERED", [DELIVERY_CANCELLED] = "CANCELLED",
    [DELIVERY_FAILED] = "FAILED",
};

static const char *const vehicle_names[PARTNER_VEHICLE_COUNT] = {
    [PARTNER_BIKE] = "BIKE", [PARTNER_SCOOTER] = "SCOOTER", [PARTNER_CAR] = "CAR"};

static int find(const char *const *names, unsigned n, const char *s, unsigned *ret)
{
    for (unsigned i = 0; s && i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            *ret = i;
            return OF_OK;
        }
    }
    return OF_EPERMANENT;
}

const char *partner_state_name(enum delivery_status s)
{
    return (unsigned)s < N ? status_names[s] : "?";
}

int partner_state_parse(const char *s, enum delivery_status *ret)
{
    unsigned i;
    if (find(status_names, N, s, &i) != OF_OK)
        return OF_EPERMANENT;
    *ret = (enum delivery_status)i;
    return OF_OK;
}

const char *partner_vehicle_name(enum partner_vehicle v)
{
    return (unsigned)v < PARTNER_VEHICLE_COUNT ? vehicle_names[v] : "?";
}

int partner_vehicle_parse(const char *s, enum partner_vehicle *ret)
{
    unsigned i;
    if (find(vehicle_names, PARTNER_VEHICLE_COUNT, s, &i) != OF_OK)
        return OF_EPERMANENT;
    *ret = (enum partner_vehicle)i;
    return OF_OK;
}
