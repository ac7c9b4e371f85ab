/* placeholder: envelope.c is being written */
