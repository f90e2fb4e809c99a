/* Constants shared by boot.S, trampoline.S and first.S. */
#ifndef KVMJ_ASM_H
#define KVMJ_ASM_H

#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80
#define PD_PAGES 64                     /* 64 x 1 GiB = MAP_MAX */

#define CR0_PE  0x00000001
#define CR0_PG  0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_SCE 0x00000001
#define EFER_LME 0x00000100
#define MSR_STAR  0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084

#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_CODE32 0x18
#define SEL_UDATA  0x20                 /* DPL3 data (used with RPL 3: 0x23) */
#define SEL_UCODE  0x28                 /* DPL3 64-bit code (0x2b) */
#define GDT_LIMIT  (6 * 8 - 1)           /* null, code64, data, code32, udata, ucode */
#define PTE_U   0x4

#define BOOT_STACK_SIZE 16384

/* AP bring-up (smp guest). */
#define TRAMPOLINE_ADDR 0x8000          /* SIPI vector 0x08 */
#define AP_STACK_SIZE 16384
#define MAX_APS 31                      /* + BSP = 32 CPUs */

#ifdef __ASSEMBLER__
/* XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen"): where a PVH loader enters the guest, in 32-bit protected
 * mode. The descriptor is 8 bytes like Linux's _ASM_PTR: QEMU reads a size_t there. */
/* From 32-bit protected mode with a GDT loaded: PAE, CR3 = pml4, EFER.LME, paging on (compatibility mode
 * until the far jump), then a far jump to 64-bit code at target. Clobbers eax, ecx, edx. */
.macro ENTER_LONG_MODE target
        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $pml4, %eax
        mov     %eax, %cr3
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_LME, %eax
        wrmsr
        mov     %cr0, %eax
        or      $(CR0_PG | CR0_PE), %eax
        mov     %eax, %cr0
        ljmp    $SEL_CODE64, $\target
.endm

.macro PVH_ENTRY_NOTE entry
        .pushsection .note.pvh, "a"
        .balign 4
        .long 4                 /* namesz */
        .long 8                 /* descsz */
        .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .quad \entry
        .popsection
.endm
#endif

#endif
