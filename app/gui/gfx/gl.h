// The one place that includes OpenGL. Core profile 3.3 prototypes come from glcorearb.h and are
// linked directly from libGL (GL_GLEXT_PROTOTYPES); GLFW must not include its own GL header.
#pragma once
#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/glcorearb.h>
