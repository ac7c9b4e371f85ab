/* placeholder: idempotency.c is being written */
