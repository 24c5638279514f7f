module github.com/sk400vop/sk400vop

go 1.26
