/* placeholder: metrics.c is being written */
