#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/evp.h>
