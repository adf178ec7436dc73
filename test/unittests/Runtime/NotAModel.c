/* A shared library that is not an attnc model: it exports none of the ABI's
 * entry points. */
int not_a_model(void) { return 42; }
