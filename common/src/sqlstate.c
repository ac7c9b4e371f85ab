/* placeholder: sqlstate.c is being written */
