/* placeholder: kafka.c is being written */
