/* placeholder: daemon.c is being written */
