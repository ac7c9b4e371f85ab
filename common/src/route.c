/* placeholder: route.c is being written */
