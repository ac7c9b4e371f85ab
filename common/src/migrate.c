/* placeholder: migrate.c is being written */
