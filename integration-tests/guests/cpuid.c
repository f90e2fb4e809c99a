/*
 * cpuid: prints what CPUID returns for one leaf, for tests of the VMM's CPUID setup (topology, CPU templates).
 * Params: leaf=N (default 1), subleaf=N (default 0).
 * Prints "cpuid: leaf=0x<l> subleaf=0x<s> eax=0x<..> ebx=0x<..> ecx=0x<..> edx=0x<..>".
 */
#include "kit.h"

const char guest_name[] = "cpuid";

int guest_main(void)
{
    uint32_t leaf = (uint32_t)param_u64("leaf", 1), subleaf = (uint32_t)param_u64("subleaf", 0);
    uint32_t a, b, c, d;
    cpuid(leaf, subleaf, &a, &b, &c, &d);
    printf("cpuid: leaf=0x%x subleaf=0x%x eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", leaf, subleaf, a, b, c, d);
    return 0;
}
