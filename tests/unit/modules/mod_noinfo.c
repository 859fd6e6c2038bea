/* tests/unit/modules/mod_noinfo.c - a shared object that is not a Lyre module (no descriptor). */
int mod_noinfo_answer(void);

int mod_noinfo_answer(void)
{
	return 42;
}
