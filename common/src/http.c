/* placeholder: http.c is being written */
