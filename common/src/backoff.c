/* placeholder: backoff.c is being written */
