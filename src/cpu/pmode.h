/*
 * pmode.h — protected-mode mechanisms: descriptors, segment loads with
 * checks, far transfers through gates, interrupt delivery, task switch.
 */
#ifndef X86VM_PMODE_H
#define X86VM_PMODE_H

#include "cpu.h"

/* Read the 8-byte descriptor for sel from the GDT or LDT.  Returns false if
 * the selector is beyond the table limit. */
bool pmode_read_desc(Cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* Fill a segment cache from a descriptor. */
void pmode_desc_to_cache(SegCache *s, uint16_t sel, uint32_t lo, uint32_t hi);
/* Set the accessed bit of a descriptor in memory. */
void pmode_set_accessed(Cpu *cpu, uint16_t sel, uint32_t hi);

/* MOV/POP/LxS to DS, ES, FS, GS, SS with all protected-mode checks. */
void pmode_load_data_seg(Cpu *cpu, int seg, uint16_t sel);
/* Deliver an interrupt or exception through the IDT. */
void pmode_deliver_interrupt(Cpu *cpu, int vector, bool software, uint32_t error_code,
                             uint32_t return_eip);
/* Hardware task switch (JMP/CALL/INT/IRET). source: 0 jmp, 1 call/int, 2 iret. */
void pmode_task_switch(Cpu *cpu, uint16_t tss_sel, uint32_t lo, uint32_t hi, int source,
                       uint32_t error_code);
/* Stack pointer for privilege level dpl from the current TSS. */
void pmode_tss_stack(Cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp);

/* Far transfers in protected mode (called by cpu_far_* in ops_sys.c). */
void pmode_far_jump(Cpu *cpu, uint16_t sel, uint32_t off, bool o32);
void pmode_far_call(Cpu *cpu, uint16_t sel, uint32_t off, bool o32);
void pmode_far_return(Cpu *cpu, bool o32, uint16_t extra_pop);
void pmode_iret(Cpu *cpu, bool o32);
/* LLDT / LTR with all checks (LTR marks the TSS busy). */
void pmode_load_ldt(Cpu *cpu, uint16_t sel);
void pmode_load_tr(Cpu *cpu, uint16_t sel);

#endif
