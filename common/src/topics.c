/* placeholder: topics.c is being written */
