// SPDX-License-Identifier: GPL-2.0
/* Always fails: the harness must report it as a failure. */
#include <stdio.h>

int main(void)
{
	printf("this program fails on purpose\n");
	return 1;
}
