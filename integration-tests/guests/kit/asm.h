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

/* Clears .bss, sets esp/rsp to the boot stack and builds the identity map of 0..4 GiB (2 MiB pages) in the
 * tables of boot_data.S: PML4[0] -> PDPT, PDPT[i] -> PD page i for all PD_PAGES pages (kit.c extends the map).
 * Assembles as 32-bit code (PVH entry, paging off) and as 64-bit code (the 64-bit entry, running on the loader's
 * identity map, where 32-bit register writes zero-extend). Keeps ebx and esi; clobbers eax, ecx, edx, edi. */
.macro KIT_CLEAR_BSS_AND_MAP
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        mov     $boot_stack_top, %esp

        mov     $pdpt, %eax
        or      $(PTE_P | PTE_W | PTE_U), %eax
        mov     %eax, pml4
        mov     $pd, %eax
        or      $(PTE_P | PTE_W | PTE_U), %eax
        mov     $pdpt, %edi
        mov     $PD_PAGES, %ecx
1:      mov     %eax, (%edi)
        add     $4096, %eax
        add     $8, %edi
        dec     %ecx
        jnz     1b
        /* PD entries for 0..4 GiB: 2048 x 2 MiB, entry i = (i << 21) | P | W | PS. */
        mov     $pd, %edi
        mov     $(PTE_P | PTE_W | PTE_U | PTE_PS), %eax
        xor     %edx, %edx              /* high dword of the entry (bits 32+ of address) */
        mov     $2048, %ecx
2:      mov     %eax, (%edi)
        mov     %edx, 4(%edi)
        add     $0x200000, %eax
        adc     $0, %edx
        add     $8, %edi
        dec     %ecx
        jnz     2b
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
