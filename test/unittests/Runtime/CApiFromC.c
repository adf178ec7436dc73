/*===- CApiFromC.c - The C API used from C --------------------------------===*\
|*                                                                            *|
|* Compiled as C, so that the header is checked as C, and written the way a   *|
|* C program drives a model. Called by CApiTest.cpp.                          *|
\*===----------------------------------------------------------------------===*/
#include "attnc/runtime.h"

#include <string.h>

/* Runs the fake model on x = 1 and t = 0, so y must equal the weights.
 * Returns 0 on success, else the line that failed. */
int attnc_test_run_from_c(const char *model_path, const char *weights_path,
                          const float expected_w[4]) {
  attnc_model *model = NULL;
  attnc_tensor_list *outputs = NULL;
  int failed_line = 0;
  float x[4] = {1, 1, 1, 1}, t[1] = {0};
  int64_t x_shape[3] = {1, 1, 4}, t_shape[1] = {1};
  attnc_tensor inputs[2] = {
      {"x", ATTNC_DTYPE_F32, 3, x_shape, x},
      {"t", ATTNC_DTYPE_F32, 1, t_shape, t},
  };
  const attnc_tensor *y;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      failed_line = __LINE__;                                                  \
      goto done;                                                               \
    }                                                                          \
  } while (0)

  CHECK(attnc_model_open(model_path, &model) == ATTNC_OK);
  CHECK(attnc_model_load_weights(model, weights_path) == ATTNC_OK);
  CHECK(attnc_model_run(model, inputs, 2, &outputs) == ATTNC_OK);
  y = attnc_tensor_list_find(outputs, "y");
  CHECK(y && y->dtype == ATTNC_DTYPE_F32 && y->rank == 3);
  CHECK(memcmp(y->data, expected_w, sizeof(float) * 4) == 0);
#undef CHECK

done:
  attnc_tensor_list_destroy(outputs);
  attnc_model_destroy(model);
  return failed_line;
}
