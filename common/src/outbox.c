/* placeholder: outbox.c is being written */
