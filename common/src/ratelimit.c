/* placeholder: ratelimit.c is being written */
