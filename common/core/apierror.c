/* The API error table (see apierror.h): one row per code, in enum order. */
#include <string.h>

#include "common/apierror.h"

static const struct api_error_def table[API_ERROR_COUNT] = {
    [API_INVALID_JSON] = {"invalid_json", 400, "the request body is not valid JSON"},
    [API_BODY_NOT_OBJECT] = {"body_not_object", 400, "the request body must be a JSON object"},
    [API_UNKNOWN_FIELD] = {"unknown_field", 400, "a member is not a field of this request"},
    [API_READ_ONLY_FIELD] = {"read_only_field", 400, "a member is set by the server"},
    [API_MISSING_FIELD] = {"missing_field", 400, "a required field is missing"},
    [API_INVALID_TYPE] = {"invalid_type", 400, "a field has the wrong JSON type"},
    [API_INVALID_VALUE] = {"invalid_value", 400, "a field has an invalid value"},
    [API_OUT_OF_RANGE] = {"out_of_range", 400, "a field is out of range"},
    [API_TOO_LONG] = {"too_long", 400, "a field is too long"},
    [API_MALFORMED_REQUEST] = {"malformed_request", 400, "the request is not well-formed HTTP"},
    [API_BODY_TOO_LARGE] = {"body_too_large", 413, "the request body is too large"},
    [API_UNSUPPORTED_MEDIA_TYPE] = {"unsupported_media_type", 415,
                                    "the request body must be sent as application/json"},
    [API_UNAUTHORIZED] = {"unauthorized", 401, "a bearer token is required"},
    [API_INVALID_TOKEN] = {"invalid_token", 401, "the bearer token is not valid"},
    [API_FORBIDDEN] = {"forbidden", 403, "this role may not use this resource"},
    [API_NOT_FOUND] = {"not_found", 404, "no such resource"},
    [API_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405, "method not allowed here"},
    [API_CONFLICT] = {"conflict", 409, "the request conflicts with the resource's current state"},
    [API_IDEMPOTENCY_IN_FLIGHT] = {"idempotency_in_flight", 409,
                                   "a request with this Idempotency-Key is still in progress"},
    [API_IDEMPOTENCY_MISMATCH] = {"idempotency_mismatch", 422,
                                  "this Idempotency-Key was used for a different request"},
    [API_RATE_LIMITED] = {"rate_limited", 429, "too many requests; see Retry-After"},
    [API_INTERNAL] = {"internal", 500, "internal error"},
    [API_DATABASE_UNAVAILABLE] = {"database_unavailable", 503,
                                  "the database cannot be reached; try again"},
    [API_RATE_LIMITER_UNAVAILABLE] = {"rate_limiter_unavailable", 503,
                                      "this endpoint is unavailable for a moment; try again"},
    [API_REQUEST_TIMEOUT] = {"request_timeout", 408, "the request was not received in time"},
    [API_URI_TOO_LONG] = {"uri_too_long", 414, "the request target is too long"},
    [API_HEADER_TOO_LARGE] = {"header_too_large", 431, "the request headers are too large"},
    [API_NOT_IMPLEMENTED] = {"not_implemented", 501, "this transfer coding is not implemented"},
    [API_BAD_GATEWAY] = {"bad_gateway", 502, "the service behind this route did not answer"},
    [API_SERVICE_UNAVAILABLE] = {"service_unavailable", 503,
                                 "the service behind this route is unavailable"},
    [API_GATEWAY_TIMEOUT] = {"gateway_timeout", 504,
                             "the service behind this route did not answer in time"},
    [API_HTTP_VERSION_NOT_SUPPORTED] = {"http_version_not_supported", 505,
                                        "this HTTP version is not supported"},
    [API_ACCOUNT_NOT_FOUND] = {"account_not_found", 404, "no account for this token"},
    [API_INVALID_CODE] = {"invalid_code", 401, "the code is wrong"},
    [API_OTP_EXPIRED] = {"otp_expired", 401, "the code has expired: request a new one"},
    [API_OTP_NOT_FOUND] = {"otp_not_found", 401, "no code is pending: request one"},
    [API_OTP_LOCKED] = {"otp_locked", 429, "too many wrong codes: request a new one"},
    [API_SMS_UNAVAILABLE] = {"sms_unavailable", 503, "the code could not be sent"},
    [API_ORDER_DECIDED] = {"order_decided", 409, "the order has been approved or rejected already"},
    [API_ORDER_CANCELLED] = {"order_cancelled", 409, "the order has been cancelled"},
    [API_PARTNER_EXISTS] = {"partner_exists", 409, "this account has a partner profile already"},
    [API_PARTNER_NOT_FOUND] = {"partner_not_found", 404,
                               "this account has no partner profile: POST /v1/partners first"},
    [API_DELIVERY_STATE] = {"delivery_state", 409, "the delivery's state does not allow this step"},
};

const struct api_error_def *api_error_get(enum api_error e)
{
    if ((unsigned)e >= API_ERROR_COUNT || table[e].code == NULL)
        return &table[API_INTERNAL];
    return &table[e];
}

int api_error_by_code(const char *code, enum api_error *ret)
{
    for (unsigned i = 0; code != NULL && i < API_ERROR_COUNT; i++) {
        if (table[i].code != NULL && strcmp(table[i].code, code) == 0) {
            *ret = (enum api_error)i;
            return 0;
        }
    }
    return -1;
}
