// SPDX-License-Identifier: GPL-2.0
/* Never ends: the harness must kill it and report a failure. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("this program hangs on purpose\n");
	fflush(stdout);
	for (;;)
		pause();
}
