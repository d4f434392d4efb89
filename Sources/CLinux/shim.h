#pragma once
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <pthread.h>
