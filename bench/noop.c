// SPDX-License-Identifier: GPL-2.0-or-later
/* The floor of every time in the table: spawning a static program that does nothing. */
int main(void)
{
	return 0;
}
