/* The demo's program: built inside the sandbox, run outside it. */
#include <stdio.h>

int main(void)
{
        printf("Hello from a program built in the nsbuild sandbox.\n");
        return 0;
}
