/* The one table of API error codes: every "code" a client can see in
 * {"error":{"code","message","field"}}, with its HTTP status and a default message (the idea of
 * Taler's taler_error_codes.h). Call sites name an enum value, never a string literal, so a code
 * cannot be misspelt and the OpenAPI documents can list them all (docs/openapi/errors.yaml). */
#ifndef COMMON_APIERROR_H
#define COMMON_APIERROR_H

enum api_error {
    /* Request shape (400 unless said) */
    API_INVALID_JSON,
    API_BODY_NOT_OBJECT,
    API_UNKNOWN_FIELD,
    API_READ_ONLY_FIELD,
    API_MISSING_FIELD,
    API_INVALID_TYPE,
    API_INVALID_VALUE,
    API_OUT_OF_RANGE,
    API_TOO_LONG,
    API_MALFORMED_REQUEST,      /* framing, Host, a header or the target not as HTTP wants */
    API_BODY_TOO_LARGE,         /* 413 */
    API_UNSUPPORTED_MEDIA_TYPE, /* 415 */
    /* Who is asking */
    API_UNAUTHORIZED,  /* 401: no bearer token */
    API_INVALID_TOKEN, /* 401 */
    API_FORBIDDEN,     /* 403 */
    /* The resource */
    API_NOT_FOUND,             /* 404 */
    API_METHOD_NOT_ALLOWED,    /* 405 */
    API_CONFLICT,              /* 409 */
    API_IDEMPOTENCY_IN_FLIGHT, /* 409 */
    API_IDEMPOTENCY_MISMATCH,  /* 422 */
    /* Load and the server */
    API_RATE_LIMITED,             /* 429 */
    API_INTERNAL,                 /* 500 */
    API_DATABASE_UNAVAILABLE,     /* 503 */
    API_RATE_LIMITER_UNAVAILABLE, /* 503 */
    /* answered by the gateway (gateway/errors.tsv), never by a daemon */
    API_REQUEST_TIMEOUT,            /* 408 */
    API_URI_TOO_LONG,               /* 414 */
    API_HEADER_TOO_LARGE,           /* 431 */
    API_NOT_IMPLEMENTED,            /* 501 */
    API_BAD_GATEWAY,                /* 502 */
    API_SERVICE_UNAVAILABLE,        /* 503 */
    API_GATEWAY_TIMEOUT,            /* 504 */
    API_HTTP_VERSION_NOT_SUPPORTED, /* 505 */
    /* customer-svc: identity */
    API_ACCOUNT_NOT_FOUND, /* 404 */
    API_INVALID_CODE,      /* 401 */
    API_OTP_EXPIRED,       /* 401 */
    API_OTP_NOT_FOUND,     /* 401 */
    API_OTP_LOCKED,        /* 429 */
    API_SMS_UNAVAILABLE,   /* 503 */
    /* business-svc: decisions on an outlet's orders */
    API_ORDER_DECIDED,   /* 409: approved or rejected already */
    API_ORDER_CANCELLED, /* 409: cancelled by order-svc */

    API_PARTNER_EXISTS,    /* 409: the account has a partner profile already */
    API_PARTNER_NOT_FOUND, /* 404: the account has no partner profile yet */
    API_DELIVERY_STATE,    /* 409: the delivery's state does not allow this step */
    API_ERROR_COUNT
};

struct api_error_def {
    const char *code;    /* "missing_field": the wire name */
    int status;          /* 400 */
    const char *message; /* English default, used when the caller gives none */
};

/* The entry of e; an out-of-range value gives the API_INTERNAL entry. Never NULL. */
const struct api_error_def *api_error_get(enum api_error e);
/* The enum value whose wire name is code; returns 0 and sets *ret, or -1 when unknown. */
int api_error_by_code(const char *code, enum api_error *ret);

#endif
