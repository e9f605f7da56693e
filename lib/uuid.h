/*
 * uuid: random (version 4) UUIDs from the kernel's generator, for table
 * ids, file names and transaction ids.
 */
#ifndef VL_UUID_H
#define VL_UUID_H

/* Writes "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" and a NUL into out (37
 * bytes).  Cannot fail (getrandom blocks only before the pool is seeded). */
void uuid_v4(char out[37]);

#endif
