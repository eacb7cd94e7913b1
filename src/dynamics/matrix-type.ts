// The dense row-major matrix of this folder, in a file of its own so that the checked element
// access (access.ts) and the matrix kernels (matrix.ts) both depend on it and not on each other.
export type Matrix = number[][];
