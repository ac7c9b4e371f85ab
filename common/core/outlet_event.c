/* The business.outlet.*.v1 read model's parser (see outlet_event.h). */
#include "common/outlet_event.h"

#include <stddef.h>

#include "common/errors.h"
#include "common/jspec.h"

#define OUTLET struct outlet_ref
static const struct jspec_field outlet_fields[] = {
    {.name = "outlet_id",
     .type = JSPEC_T_UUID,
     .offset = offsetof(OUTLET, id),
     .size = sizeof(((OUTLET *)0)->id)},
    JSPEC_UUID(OUTLET, business_id),
    JSPEC_UUID(OUTLET, owner_id, .presence = JSPEC_OPTIONAL, .nullable = true),
    JSPEC_BOOLEAN(OUTLET, is_open),
    JSPEC_INTEGER(OUTLET, version, 1, INT64_MAX, .presence = JSPEC_OPTIONAL),
};
static const struct jspec outlet_spec = JSPEC_SPEC(OUTLET, outlet_fields, JSPEC_LENIENT);

int outlet_event_parse(const json_t *data, struct outlet_ref *ret, char *err, size_t errlen)
{
    struct jspec_error e;
    OUTLET out = {0};
    if (jspec_parse(data, &outlet_spec, &out, &e) != 0) {
        jspec_reason(&e, "data", err, errlen);
        return OF_EPERMANENT;
    }
    *ret = out;
    return OF_OK;
}
