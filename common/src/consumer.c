/* placeholder: consumer.c is being written */
