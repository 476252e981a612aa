/* Deliberately broken: the build must fail and the exception must carry this file's build log. */
__kernel void broken_for_test(__global float *out) {
    out[0] = undeclared_identifier_for_test;
}
