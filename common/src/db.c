/* placeholder: db.c is being written */
