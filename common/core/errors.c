/* Names for the shared result codes. */
#include "common/errors.h"

const char *of_result_name(int rc)
{
    switch (rc) {
    case OF_OK:
        return "ok";
    case OF_ERETRY:
        return "retryable";
    case OF_EPERMANENT:
        return "permanent";
    case OF_ENOTFOUND:
        return "not_found";
    case OF_ECONFLICT:
        return "conflict";
    case OF_EUNAVAIL:
        return "unavailable";
    default:
        return "unknown";
    }
}
