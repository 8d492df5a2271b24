#include <openssl/rand.h>
#include <openssl/err.h>
