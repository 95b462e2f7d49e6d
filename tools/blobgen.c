// SPDX-License-Identifier: MIT
/*
 * blobgen: turn a linked freestanding blob (parasite, restorer) into C source embedded in cryo.
 *
 *   blobgen BLOB.elf NAME OUT.c      (also writes OUT.h)
 *
 * A blob is copied into a foreign address space at an address chosen at run time, with nobody to
 * apply relocations: so this refuses any relocation left in the ELF file and any undefined
 * symbol. It flattens the loadable segments into one image starting at offset 0 and exports the
 * offset of every symbol named blob_* (entry points, argument areas).
 */
#include <err.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BLOB_SIZE (1u << 20)

struct blob {
	unsigned char *image;
	size_t file_size; /* bytes that carry content */
	size_t mem_size;  /* with the zeroed tail (bss) */
};

static void refuse_relocations(Elf *elf, const char *path)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		errx(1, "%s: %s", path, elf_errmsg(-1));
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			errx(1, "%s: %s", path, elf_errmsg(-1));
		if ((sh.sh_type == SHT_RELA || sh.sh_type == SHT_REL) && sh.sh_size)
			errx(1, "%s: section %s holds %lu bytes of relocations: the blob is not "
				"position independent",
			     path, elf_strptr(elf, shstrndx, sh.sh_name),
			     (unsigned long)sh.sh_size);
		if (sh.sh_type == SHT_DYNAMIC)
			errx(1, "%s: has a dynamic section", path);
	}
}

static Elf_Scn *find_symtab(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == SHT_SYMTAB)
			return scn;
	return NULL;
}

static void flatten(Elf *elf, const char *path, struct blob *b)
{
	size_t n, i;

	if (elf_getphdrnum(elf, &n))
		errx(1, "%s: %s", path, elf_errmsg(-1));
	b->image = calloc(1, MAX_BLOB_SIZE);
	if (!b->image)
		err(1, "calloc");
	for (i = 0; i < n; i++) {
		Elf_Data *d;
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph))
			errx(1, "%s: %s", path, elf_errmsg(-1));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr + ph.p_memsz > MAX_BLOB_SIZE || ph.p_filesz > ph.p_memsz)
			errx(1, "%s: segment at %#lx is too large", path, (unsigned long)ph.p_vaddr);
		d = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_BYTE);
		if (ph.p_filesz && !d)
			errx(1, "%s: %s", path, elf_errmsg(-1));
		if (ph.p_filesz)
			memcpy(b->image + ph.p_vaddr, d->d_buf, ph.p_filesz);
		if (ph.p_vaddr + ph.p_filesz > b->file_size)
			b->file_size = ph.p_vaddr + ph.p_filesz;
		if (ph.p_vaddr + ph.p_memsz > b->mem_size)
			b->mem_size = ph.p_vaddr + ph.p_memsz;
	}
	if (!b->file_size)
		errx(1, "%s: nothing to load", path);
}

static void write_symbols(Elf *elf, const char *path, const char *name, FILE *c, FILE *h)
{
	Elf_Data *data;
	GElf_Shdr sh;
	Elf_Scn *scn = find_symtab(elf, &sh);
	size_t i;

	if (!scn)
		errx(1, "%s: no symbol table", path);
	data = elf_getdata(scn, NULL);
	for (i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
		const char *sym_name;
		GElf_Sym sym;

		if (!gelf_getsym(data, i, &sym))
			continue;
		sym_name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!sym_name || !*sym_name || GELF_ST_TYPE(sym.st_info) == STT_FILE ||
		    GELF_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;
		if (sym.st_shndx == SHN_UNDEF)
			errx(1, "%s: undefined symbol %s", path, sym_name);
		if (strncmp(sym_name, "blob_", 5))
			continue;
		fprintf(c, "const unsigned long %s_%s = %#lx;\n", name, sym_name + 5,
			(unsigned long)sym.st_value);
		fprintf(h, "extern const unsigned long %s_%s;\n", name, sym_name + 5);
	}
}

static void write_image(const struct blob *b, const char *name, FILE *c, FILE *h)
{
	size_t i;

	fprintf(h, "extern const unsigned char %s_image[];\n", name);
	fprintf(h, "extern const unsigned long %s_file_size, %s_mem_size;\n", name, name);
	fprintf(c, "const unsigned long %s_file_size = %zu, %s_mem_size = %zu;\n", name,
		b->file_size, name, b->mem_size);
	fprintf(c, "const unsigned char %s_image[] __attribute__((aligned(4096))) = {", name);
	for (i = 0; i < b->file_size; i++)
		fprintf(c, "%s0x%02x,", i % 16 ? " " : "\n\t", b->image[i]);
	fprintf(c, "\n};\n");
}

int main(int argc, char **argv)
{
	char hpath[4096];
	struct blob b = {0};
	FILE *c, *h;
	Elf *elf;
	int fd;

	if (argc != 4)
		errx(1, "usage: blobgen BLOB.elf NAME OUT.c");
	if (snprintf(hpath, sizeof(hpath), "%.*s.h", (int)strlen(argv[3]) - 2, argv[3]) >=
	    (int)sizeof(hpath))
		errx(1, "output path too long");
	if (elf_version(EV_CURRENT) == EV_NONE)
		errx(1, "libelf: %s", elf_errmsg(-1));
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		err(1, "%s", argv[1]);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		errx(1, "%s: not an ELF file", argv[1]);

	refuse_relocations(elf, argv[1]);
	flatten(elf, argv[1], &b);

	c = fopen(argv[3], "w");
	h = fopen(hpath, "w");
	if (!c || !h)
		err(1, "%s", argv[3]);
	fprintf(c, "/* Generated by blobgen from %s: do not edit. */\n", argv[1]);
	fprintf(h, "/* Generated by blobgen from %s: do not edit. */\n#pragma once\n", argv[1]);
	write_image(&b, argv[2], c, h);
	write_symbols(elf, argv[1], argv[2], c, h);
	if (fclose(c) || fclose(h))
		err(1, "%s", argv[3]);
	elf_end(elf);
	close(fd);
	return 0;
}
