/* placeholder: redis.c is being written */
