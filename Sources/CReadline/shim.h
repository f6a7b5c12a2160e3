// GNU readline for the credq REPL. <stdio.h> must come first: readline's headers use FILE.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
