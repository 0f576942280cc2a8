/* A shared object that is not an inboxd plugin: no entry symbol. */
__attribute__((visibility("default"))) int not_a_plugin(void);
int not_a_plugin(void) { return 42; }
